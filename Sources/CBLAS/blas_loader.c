#define _GNU_SOURCE  // dlinfo
#include "CBLAS.h"
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
static void *handle;
static sgemm_fn p_sgemm;
typedef void (*ssyrk_fn)(int, int, int, int, int, float, const float *, int, float, float *, int);
static ssyrk_fn p_ssyrk;
static char *(*p_corename)(void);
static char *(*p_config)(void);
static int (*p_get_threads)(void);
static void (*p_set_threads)(int);
static char loaded_path[512];

int sb_load(char *err, int errlen) {
    if (handle) return 0;
    // Debian: libopenblas.so.0 via alternatives; the pthread build directly as a fallback.
    static const char *names[] = {
        "libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0", "libopenblas.so", NULL};
    // The reason shown: a file that is there but fails to load (broken) beats "not found".
    char reason[256] = "not found";
    int broken = 0;
    for (int i = 0; names[i]; i++) {
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (handle) { snprintf(loaded_path, sizeof loaded_path, "%s", names[i]); break; }
        const char *e = dlerror();
        if (e && !broken) {
            broken = strstr(e, "No such file or directory") == NULL;
            snprintf(reason, sizeof reason, "%s", e);
        }
    }
    if (!handle) {
        snprintf(err, errlen, "cannot load OpenBLAS (%s); install it with: apt-get install libopenblas0", reason);
        return -1;
    }
    struct link_map *map = NULL;  // where the dynamic loader found it, for messages and `stylize info`
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && map->l_name[0])
        snprintf(loaded_path, sizeof loaded_path, "%s", map->l_name);
    p_sgemm = (sgemm_fn)dlsym(handle, "cblas_sgemm");
    p_ssyrk = (ssyrk_fn)dlsym(handle, "cblas_ssyrk");  // optional: sb_ssyrk falls back to sgemm
    p_corename = (char *(*)(void))dlsym(handle, "openblas_get_corename");
    p_config = (char *(*)(void))dlsym(handle, "openblas_get_config");
    p_get_threads = (int (*)(void))dlsym(handle, "openblas_get_num_threads");
    p_set_threads = (void (*)(int))dlsym(handle, "openblas_set_num_threads");
    if (!p_sgemm) {
        snprintf(err, errlen, "%s is not a working OpenBLAS (it has no cblas_sgemm); reinstall it with: "
                 "apt-get install --reinstall libopenblas0", loaded_path);
        dlclose(handle);
        handle = NULL;
        return -1;
    }
    return 0;
}

int sb_unload(void) {
    if (!handle) return 0;
    int r = dlclose(handle);
    handle = NULL;
    p_sgemm = NULL;
    p_ssyrk = NULL;
    return r;
}

int sb_is_loaded(void) { return handle != NULL; }
const char *sb_library_path(void) { return loaded_path; }
const char *sb_corename(void) { return p_corename ? p_corename() : "unknown"; }
const char *sb_config(void) { return p_config ? p_config() : "unknown"; }
int sb_num_threads(void) { return p_get_threads ? p_get_threads() : 1; }
void sb_set_num_threads(int n) { if (p_set_threads) p_set_threads(n); }

void sb_sgemm(int transA, int transB, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    p_sgemm(SB_ROW_MAJOR, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void sb_ssyrk_upper(int N, int K, float alpha, const float *A, int lda, float beta, float *C, int ldc) {
    if (p_ssyrk) { p_ssyrk(SB_ROW_MAJOR, SB_UPPER, SB_NO_TRANS, N, K, alpha, A, lda, beta, C, ldc); return; }
    p_sgemm(SB_ROW_MAJOR, SB_NO_TRANS, SB_TRANS, N, N, K, alpha, A, lda, A, lda, beta, C, ldc);
}

int sb_has_ssyrk(void) { return p_ssyrk != NULL; }
