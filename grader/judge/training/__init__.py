"""The training checks' trusted side: the data store, the reference's training runs and their cache."""
