"""The Flask app: feeds and audio, the player pages, the editor and the API."""
