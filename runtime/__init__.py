"""convc.runtime"""
