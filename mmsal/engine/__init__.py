from .hooks import SaliencyHook

__all__ = ['SaliencyHook']
