"""The Textual UI of tuidl. It talks to the engine process only through an engine client."""
