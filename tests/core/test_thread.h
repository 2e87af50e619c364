/* A tiny thread wrapper for the core tests that need real concurrency
 * (test_progress.c, test_progmap.c): Win32 threads under MinGW/Wine,
 * pthreads natively. Header-only, static functions. */
#ifndef BITSDO_TEST_THREAD_H
#define BITSDO_TEST_THREAD_H

#include <stdint.h>
#include <stdlib.h>

#ifdef _WIN32
#include <windows.h>
#include <process.h>

typedef HANDLE test_thread;
typedef struct {
    void (*fn)(void *);
    void *arg;
} test_thunk;

static unsigned __stdcall test_thread_main(void *p)
{
    test_thunk t = *(test_thunk *)p;
    free(p);
    t.fn(t.arg);
    return 0;
}

static int test_thread_start(test_thread *th, void (*fn)(void *), void *arg)
{
    test_thunk *t = malloc(sizeof(*t));
    uintptr_t h;

    if (!t)
        return 0;
    t->fn = fn;
    t->arg = arg;
    h = _beginthreadex(NULL, 0, test_thread_main, t, 0, NULL);
    if (!h) {
        free(t);
        return 0;
    }
    *th = (HANDLE)h;
    return 1;
}

/* Returns 1 when the thread ended within the bound. */
static int test_thread_join(test_thread th, unsigned seconds)
{
    DWORD r = WaitForSingleObject(th, seconds * 1000u);
    CloseHandle(th);
    return r == WAIT_OBJECT_0;
}

static void test_yield(void)
{
    SwitchToThread();
}
#else
#include <pthread.h>
#include <sched.h>

typedef pthread_t test_thread;
typedef struct {
    void (*fn)(void *);
    void *arg;
} test_thunk;

static void *test_thread_main(void *p)
{
    test_thunk t = *(test_thunk *)p;
    free(p);
    t.fn(t.arg);
    return NULL;
}

static int test_thread_start(test_thread *th, void (*fn)(void *), void *arg)
{
    test_thunk *t = malloc(sizeof(*t));

    if (!t)
        return 0;
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(th, NULL, test_thread_main, t)) {
        free(t);
        return 0;
    }
    return 1;
}

/* The threads below end on their own bounded loops; join waits for that. */
static int test_thread_join(test_thread th, unsigned seconds)
{
    (void)seconds;
    return pthread_join(th, NULL) == 0;
}

static void test_yield(void)
{
    sched_yield();
}
#endif

#endif
