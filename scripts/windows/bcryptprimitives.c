/*
 * A stand-in bcryptprimitives.dll for running SimCred's Windows build under Wine 8 only (never
 * shipped): Rust's standard library (1.78 and later) takes its random bytes from
 * bcryptprimitives.dll's ProcessPrng, which Wine 8.0 does not have, so every Rust program
 * would stop at start-up. This one exports ProcessPrng over bcrypt.dll's system-preferred
 * random generator, which Wine has. Built and installed into the Wine prefix by
 * scripts/build-windows.sh.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE out, SIZE_T n)
{
    /* BCryptGenRandom takes a ULONG length: ask in pieces of at most 1 GiB. */
    const SIZE_T piece = (SIZE_T)1 << 30;
    while (n != 0) {
        ULONG ask = (ULONG)(n < piece ? n : piece);
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, out, ask, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        out += ask;
        n -= ask;
    }
    return TRUE;
}
