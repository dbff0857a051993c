// Preloaded (LD_PRELOAD) into a playmark-server by tst_httpthreadsdefault: sched_getaffinity,
// which QThread::idealThreadCount counts, says the process may run on PLAYMARK_FAKE_CORES CPUs,
// as on a machine with that many cores. No mock of the server: only the count of cores is made up.
#include <sched.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern "C" int sched_getaffinity(pid_t, size_t size, cpu_set_t *set)
{
    const char *text = std::getenv("PLAYMARK_FAKE_CORES");
    const long cores = text ? std::strtol(text, nullptr, 10) : 1;
    if (cores < 1 || size_t(cores) > size * 8) {
        errno = EINVAL; // too small a set: the caller retries with a larger one, as with the kernel
        return -1;
    }
    std::memset(set, 0, size);
    for (long cpu = 0; cpu < cores; ++cpu)
        CPU_SET_S(size_t(cpu), size, set);
    return 0;
}
