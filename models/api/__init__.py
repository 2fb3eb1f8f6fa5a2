"""The mini-program API's own records: who logged in, their tokens, replayable answers, link codes."""
