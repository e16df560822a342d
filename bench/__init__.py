"""Scripts that measure and check Kraftsamla from the outside, through its stable interface."""
