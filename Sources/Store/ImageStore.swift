// The store is written next.
