"""The engine: whisper.cpp in a worker process, the options a job asks of it, words from tokens."""
