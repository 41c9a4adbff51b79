"""Prices, claims, the fund over years, the books, exact fen arithmetic."""
