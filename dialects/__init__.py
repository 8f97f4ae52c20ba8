"""convc.dialects"""
