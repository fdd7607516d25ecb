"""Data of the anagram tasks: ``words.txt`` (see ``README.md`` here for its source)."""
