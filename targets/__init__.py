"""convc.targets"""
