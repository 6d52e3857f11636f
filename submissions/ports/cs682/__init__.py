"""COMPSCI 682, assignment 2."""
