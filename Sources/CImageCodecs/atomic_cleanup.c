// Registry of temporary files awaiting an atomic rename, so a SIGINT/SIGTERM handler can remove
// them before exiting. Fixed static storage and lock-free atomics only: cic_tmp_remove_all must be
// callable from a signal handler, where malloc, locks and stdio are off limits.
#include "CImageCodecs.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
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

void cic_tmp_unregister(int slot) {
    if (slot >= 0 && slot < SLOT_COUNT) atomic_store(&slots[slot].state, SLOT_FREE);
}

int cic_tmp_remove_all(void) {
    int saved = errno;  // a handler must not disturb the interrupted code's errno
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
