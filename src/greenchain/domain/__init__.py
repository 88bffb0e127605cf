"""Pure model and maths: no I/O, no clock, no environment, no frameworks."""
