"""Working with candidates' answers: search their transcripts, compare one question's answers
across candidates, review them by keywords, listen to their recordings. Each module is imported
where it is used (this package imports nothing)."""
