// Preloaded (LD_PRELOAD) into a real playmark-server or test process to make up what this
// machine cannot be made into: more cores, or no IPv6. Only the answer of one system call is made
// up; the server runs as it is.
// - PLAYMARK_FAKE_CORES=N: sched_getaffinity, which QThread::idealThreadCount counts, says the
//   process may run on N CPUs (tst_httpthreadsdefault).
// - PLAYMARK_FAKE_NO_IPV6=1: socket(AF_INET6, ...) fails with EAFNOSUPPORT, as on a kernel
//   booted with ipv6.disable=1 (tst_listenwithoutipv6).
#include <dlfcn.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern "C" int sched_getaffinity(pid_t pid, size_t size, cpu_set_t *set)
{
    using Real = int (*)(pid_t, size_t, cpu_set_t *);
    static const auto real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "sched_getaffinity"));
    const char *text = std::getenv("PLAYMARK_FAKE_CORES");
    if (!text)
        return real(pid, size, set);
    const long cores = std::strtol(text, nullptr, 10);
    if (cores < 1 || size_t(cores) > size * 8) {
        errno = EINVAL; // too small a set: the caller retries with a larger one, as with the kernel
        return -1;
    }
    std::memset(set, 0, size);
    for (long cpu = 0; cpu < cores; ++cpu)
        CPU_SET_S(size_t(cpu), size, set);
    return 0;
}

extern "C" int socket(int domain, int type, int protocol)
{
    using Real = int (*)(int, int, int);
    static const auto real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "socket"));
    if (domain == AF_INET6 && std::getenv("PLAYMARK_FAKE_NO_IPV6")) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    return real(domain, type, protocol);
}
