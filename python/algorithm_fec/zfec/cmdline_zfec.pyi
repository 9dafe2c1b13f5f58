DEFAULT_K: int
DEFAULT_M: int
__version__: str

def main() -> int: ...
