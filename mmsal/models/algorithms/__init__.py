from .salssl import SalSSL

__all__ = ['SalSSL']
