"""The personal finance assistant: categories, budgets, forecasts, goals, questions."""
