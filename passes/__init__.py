"""convc.passes"""
