// Registry of temporary files awaiting an atomic rename, so a SIGINT/SIGTERM handler can remove
// them before exiting. Fixed static storage and lock-free atomics only: cic_tmp_remove_all must be
// callable from a signal handler, where malloc, locks and stdio are off limits.
#include "CImageCodecs.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { SLOT_COUNT = 64, PATH_CAPACITY = 4096 };
enum { SLOT_FREE = 0, SLOT_FILLING = 1, SLOT_LIVE = 2 };

static struct {
    atomic_int state;  // SLOT_FREE → SLOT_FILLING (path being copied) → SLOT_LIVE → SLOT_FREE
    char path[PATH_CAPACITY];
} slots[SLOT_COUNT];

int cic_tmp_register(const char *path) {
    size_t n = strlen(path);
    if (n >= PATH_CAPACITY) return -1;
    for (int i = 0; i < SLOT_COUNT; i++) {
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_FILLING)) {
            memcpy(slots[i].path, path, n + 1);
            atomic_store(&slots[i].state, SLOT_LIVE);  // publishes the path to handlers
            return i;
        }
    }
    return -1;
}

// Threads inside cic_tmp_create: between mkstemp creating a file and its registration, a handler
// running in another thread waits for them (a file must never exist unregistered when it looks).
static atomic_int creating;

int cic_tmp_create(char *template, int *slot) {
    sigset_t block, previous;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &previous);  // a signal for this thread waits until registered
    atomic_fetch_add(&creating, 1);
    int fd = mkstemp(template);
    int saved = errno;
    *slot = fd >= 0 ? cic_tmp_register(template) : -1;
    atomic_fetch_sub(&creating, 1);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    errno = saved;
    return fd;
}

void cic_tmp_unregister(int slot) {
    if (slot >= 0 && slot < SLOT_COUNT) atomic_store(&slots[slot].state, SLOT_FREE);
}

int cic_tmp_remove_all(void) {
    int saved = errno;  // a handler must not disturb the interrupted code's errno
    // Let a creation in another thread finish registering its file (bounded: at most ~1 s).
    for (int i = 0; i < 10000 && atomic_load(&creating) > 0; i++) {
        struct timespec pause = {0, 100000};
        nanosleep(&pause, NULL);
    }
    int removed = 0;
    for (int i = 0; i < SLOT_COUNT; i++) {
        int expected = SLOT_LIVE;
        // Claim the slot so that two handlers (or a handler and the owner) never race on it.
        if (atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_FILLING)) {
            if (unlink(slots[i].path) == 0) removed++;
            atomic_store(&slots[i].state, SLOT_FREE);
        }
    }
    errno = saved;
    return removed;
}
