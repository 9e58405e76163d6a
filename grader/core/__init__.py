"""What every part of the grader shares and that knows no right answer: the check spec and its
declared items, reports, text helpers, random batches, and the plain-data transport."""
