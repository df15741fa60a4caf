"""Placement algorithms beside TFLM's own greedy planner: the optimal offsets that
``planner optimize`` writes into a model."""
