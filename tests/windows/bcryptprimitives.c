/* Test-only stand-in for Windows' bcryptprimitives.dll, which Debian's wine 8.0
 * lacks: Rust's std (1.78 and later) imports ProcessPrng from it, so without it no
 * Rust program starts under that wine (status c0000135). scripts/test-windows builds
 * this with mingw and puts it in its own wine prefix; it is never shipped.
 *
 * ProcessPrng fills the buffer from advapi32's RtlGenRandom (exported as
 * SystemFunction036), which wine has. Like the real one, it does not fail. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
