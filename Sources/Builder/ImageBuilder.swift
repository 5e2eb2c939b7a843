// The builder is written next.
