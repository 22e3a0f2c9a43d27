"""`frontline demo`: a scripted day in the sandbox, printed as a transcript."""
