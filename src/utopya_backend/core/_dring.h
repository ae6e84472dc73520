/* A bounded ring of chunks that one background thread deflates.
 *
 * The owner (the model's thread, holding the GIL) copies rows into the
 * open slot; a full slot goes to the worker, which compresses it with
 * zlib's compress2 without ever touching Python, so it never waits for the
 * GIL. The owner takes the compressed chunks back in order. At most
 * `n` chunks are held (queued, compressing, done or being filled): a full
 * ring makes the owner wait, so memory stays bounded. An owner that must
 * wait for a chunk compresses the next unclaimed ones itself meanwhile
 * (two cores compress where one would idle: at the end of a run, and when
 * rows come faster than one core compresses).
 *
 * zlib is loaded with dlopen (no zlib headers are needed to build this);
 * where there is no libz or no POSIX threads, ub_ring_new reports why and
 * the caller compresses on its own thread instead.
 *
 * Slot indices are counters that only grow (slot = counter % n):
 *   head  oldest chunk not yet taken back (owner only)
 *   claim next chunk nobody compresses yet (under the lock)
 *   tail  the open slot being filled (owner; written under the lock)
 * A chunk is done when its status is no longer UB_QUEUED (written and
 * read under the lock while the worker runs).
 */
#ifndef UB_DRING_H
#define UB_DRING_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#define UB_HAVE_THREADS 0
#else
#define UB_HAVE_THREADS 1
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#endif

typedef int (*ub_compress2_fn)(unsigned char *, unsigned long *,
                               const unsigned char *, unsigned long, int);
typedef unsigned long (*ub_bound_fn)(unsigned long);

/* zlib's z_stream as its ABI lays it out where threads are used (LP64);
 * deflateInit_ checks the size, so a different layout fails cleanly. */
typedef struct {
    const unsigned char *next_in;
    unsigned int avail_in;
    unsigned long total_in;
    unsigned char *next_out;
    unsigned int avail_out;
    unsigned long total_out;
    const char *msg;
    void *state;
    void *zalloc, *zfree, *opaque;
    int data_type;
    unsigned long adler, reserved;
} ub_zstream;
typedef int (*ub_deflate_init_fn)(ub_zstream *, int, const char *, int);
typedef int (*ub_deflate_fn)(ub_zstream *, int);
typedef int (*ub_deflate_end_fn)(ub_zstream *);
typedef const char *(*ub_version_fn)(void);

/* A chunk larger than zlib's window is deflated in pieces of this size
 * with a full flush after each: one zlib stream, which any inflate reads,
 * at the speed of compressing each piece alone (one stream over 256 KiB
 * of near-identical rows compresses at half that speed). */
#define UB_PIECE 32768
#define UB_PIECE_SLACK 32 /* output bytes a full flush may add */
/* HDF5's H5Dwrite_chunk (hid_t is 64 bits since HDF5 1.10) */
typedef int (*ub_write_chunk_fn)(int64_t, int64_t, uint32_t,
                                 const unsigned long long *, size_t,
                                 const void *);

enum { UB_QUEUED = 0, UB_DONE = 1, UB_FAILED = 2 };

typedef struct ub_ring {
    size_t chunk;          /* bytes per chunk */
    size_t bound;          /* compressBound(chunk) */
    int n;                 /* slots */
    int level;             /* deflate level */
    unsigned char *in;     /* n * chunk */
    const unsigned char **src; /* per slot: its chunk (in `in`, or lent) */
    unsigned char *out;    /* n * bound */
    size_t *out_len;
    int *status;
    int *code;             /* zlib's return code per slot */
    long long head, claim, tail;
    size_t fill;           /* bytes in the open slot */
    int stop, running;
    long pid;              /* the process that started the thread */
#if UB_HAVE_THREADS
    pthread_mutex_t mu;
    pthread_cond_t to_worker, to_owner;
    pthread_t thread;
#endif
} ub_ring;

static ub_compress2_fn ub_compress2 = NULL;
static ub_bound_fn ub_bound = NULL;
static ub_deflate_init_fn ub_deflate_init = NULL;
static ub_deflate_fn ub_deflate = NULL;
static ub_deflate_end_fn ub_deflate_end = NULL;
static ub_version_fn ub_zlib_version = NULL;

/* Load compress2/compressBound once; NULL or why not. */
static const char *ub_load_zlib(void)
{
#if UB_HAVE_THREADS
    static const char *names[] = {"libz.so.1", "libz.so", "libz.1.dylib",
                                  "libz.dylib", NULL};
    int i;
    if (ub_compress2 != NULL)
        return NULL;
    for (i = 0; names[i] != NULL; i++) {
        void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (lib == NULL)
            continue;
        ub_bound = (ub_bound_fn)dlsym(lib, "compressBound");
        ub_compress2 = (ub_compress2_fn)dlsym(lib, "compress2");
        ub_deflate_init = (ub_deflate_init_fn)dlsym(lib, "deflateInit_");
        ub_deflate = (ub_deflate_fn)dlsym(lib, "deflate");
        ub_deflate_end = (ub_deflate_end_fn)dlsym(lib, "deflateEnd");
        ub_zlib_version = (ub_version_fn)dlsym(lib, "zlibVersion");
        if (ub_compress2 != NULL && ub_bound != NULL &&
            ub_deflate_init != NULL && ub_deflate != NULL &&
            ub_deflate_end != NULL && ub_zlib_version != NULL)
            return NULL; /* stays loaded for the process's lifetime */
        ub_compress2 = NULL;
        ub_bound = NULL;
        dlclose(lib);
    }
    return "the zlib library (libz.so.1) could not be loaded";
#else
    return "background compression needs POSIX threads";
#endif
}

/* H5Dwrite_chunk from the HDF5 library `module_path` links to (h5py's
 * own), or NULL. */
static ub_write_chunk_fn ub_find_write_chunk(const char *module_path)
{
#if UB_HAVE_THREADS && defined(RTLD_NOLOAD)
    void *lib = dlopen(module_path, RTLD_NOW | RTLD_NOLOAD);
    if (lib == NULL)
        return NULL;
    /* kept open: the module is loaded for good anyway */
    return (ub_write_chunk_fn)dlsym(lib, "H5Dwrite_chunk");
#else
    (void)module_path;
    return NULL;
#endif
}

/* Room for deflating `len` bytes as ub_deflate_buf does. */
static size_t ub_deflate_bound(size_t len)
{
    size_t pieces = len <= UB_PIECE ? 0 : (len + UB_PIECE - 1) / UB_PIECE;
    return (size_t)ub_bound((unsigned long)len) + pieces * UB_PIECE_SLACK;
}

/* Deflate `len` bytes of `src` into one zlib stream in `dst` (room for
 * *dst_len bytes, set to the bytes written): zlib's compress2 up to
 * UB_PIECE bytes, else pieces with a full flush after each (as Python's
 * zlib.compressobj gives for compress(piece) + flush(Z_FULL_FLUSH), ...,
 * flush(Z_FINISH)). Returns 0 or zlib's error code. */
static int ub_deflate_buf(unsigned char *dst, size_t *dst_len,
                          const unsigned char *src, size_t len, int level)
{
    ub_zstream zs;
    size_t pos = 0;
    int rc;
    if (len <= UB_PIECE) {
        unsigned long out = (unsigned long)*dst_len;
        rc = ub_compress2(dst, &out, src, (unsigned long)len, level);
        *dst_len = (size_t)out;
        return rc;
    }
    memset(&zs, 0, sizeof zs);
    rc = ub_deflate_init(&zs, level, ub_zlib_version(), (int)sizeof zs);
    if (rc != 0)
        return rc;
    zs.next_out = dst;
    zs.avail_out = *dst_len > 0xffffffffu ? 0xffffffffu
                                          : (unsigned int)*dst_len;
    while (pos < len) {
        size_t m = len - pos < UB_PIECE ? len - pos : UB_PIECE;
        int last = pos + m == len;
        zs.next_in = src + pos;
        zs.avail_in = (unsigned int)m;
        rc = ub_deflate(&zs, 0 /* Z_NO_FLUSH */);
        if (rc == 0 && zs.avail_in != 0)
            rc = -5; /* Z_BUF_ERROR: out of room */
        if (rc == 0)
            rc = ub_deflate(&zs, last ? 4 /* Z_FINISH */ : 3 /* FULL */);
        if (last && rc == 1 /* Z_STREAM_END */)
            rc = 0;
        else if (last && rc == 0)
            rc = -5; /* Z_BUF_ERROR: out of room */
        if (rc != 0)
            break;
        pos += m;
    }
    *dst_len = (size_t)zs.total_out;
    ub_deflate_end(&zs);
    return rc;
}

/* Compress chunk `i` (claimed by the caller: its slot is the caller's
 * alone); return its new status, for the caller to record (under the lock
 * when the worker runs). */
static int ub_compress_slot(ub_ring *r, long long i)
{
    int slot = (int)(i % r->n), rc;
    size_t len = r->bound;
    rc = ub_deflate_buf(r->out + (size_t)slot * r->bound, &len,
                        r->src[slot], r->chunk, r->level);
    r->out_len[slot] = len;
    r->code[slot] = rc;
    return rc == 0 ? UB_DONE : UB_FAILED;
}

#if UB_HAVE_THREADS
/* Claim the next chunk nobody compresses, compress it and record it; call
 * with the lock held and claim < tail (returns with the lock held). */
static void ub_claim_and_compress(ub_ring *r)
{
    long long i = r->claim++;
    int status;
    pthread_mutex_unlock(&r->mu);
    status = ub_compress_slot(r, i);
    pthread_mutex_lock(&r->mu);
    r->status[i % r->n] = status;
    pthread_cond_broadcast(&r->to_owner);
}

static void *ub_worker(void *arg)
{
    ub_ring *r = (ub_ring *)arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->stop && r->claim == r->tail)
            pthread_cond_wait(&r->to_worker, &r->mu);
        if (r->claim == r->tail)
            break; /* stopped, nothing left */
        ub_claim_and_compress(r);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}
#endif

/* A ring of n chunks of `chunk` bytes; NULL and *why on failure (the
 * slots come with the first put, the thread with the first full chunk). */
static ub_ring *ub_ring_new(size_t chunk, int n, int level, const char **why)
{
    ub_ring *r;
    *why = ub_load_zlib();
    if (*why != NULL)
        return NULL;
    r = (ub_ring *)calloc(1, sizeof(ub_ring));
    if (r == NULL) {
        *why = "out of memory";
        return NULL;
    }
    r->chunk = chunk;
    r->n = n;
    r->level = level;
    r->bound = ub_deflate_bound(chunk);
#if UB_HAVE_THREADS
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->to_worker, NULL);
    pthread_cond_init(&r->to_owner, NULL);
#endif
    return r;
}

static void ub_ring_drop_slots(ub_ring *r)
{
    free(r->in);
    free((void *)r->src);
    free(r->out);
    free(r->out_len);
    free(r->status);
    free(r->code);
    r->in = r->out = NULL;
    r->src = NULL;
    r->out_len = NULL;
    r->status = r->code = NULL;
}

/* Allocate the slots: 0, or ENOMEM (nothing allocated). */
static int ub_ring_alloc(ub_ring *r)
{
    size_t n = (size_t)r->n;
    if (r->in != NULL)
        return 0;
    r->in = (unsigned char *)malloc(n * r->chunk);
    r->src = (const unsigned char **)calloc(n, sizeof(*r->src));
    r->out = (unsigned char *)malloc(n * r->bound);
    r->out_len = (size_t *)calloc(n, sizeof(size_t));
    r->status = (int *)calloc(n, sizeof(int));
    r->code = (int *)calloc(n, sizeof(int));
    if (!r->in || !r->src || !r->out || !r->out_len || !r->status ||
        !r->code) {
        ub_ring_drop_slots(r);
        return ENOMEM;
    }
    return 0;
}

/* Start the worker (after ub_ring_alloc): 0, or an errno value (then no
 * thread runs, and the owner compresses each chunk as it pops it). */
static int ub_ring_start(ub_ring *r)
{
#if UB_HAVE_THREADS
    sigset_t all, old;
    int rc;
    if (r->running)
        return 0;
    if (r->in == NULL)
        return EINVAL;
    /* Signals stay with the Python threads: the worker blocks them all. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&r->thread, NULL, ub_worker, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return rc;
    r->pid = (long)getpid();
    r->running = 1;
    return 0;
#else
    (void)r;
    return ENOSYS;
#endif
}

/* Whether the worker was started by another process (before a fork):
 * then it does not exist here, and its lock may be held for good. */
static int ub_forked(ub_ring *r)
{
#if UB_HAVE_THREADS
    return r->running && (long)getpid() != r->pid;
#else
    (void)r;
    return 0;
#endif
}

/* Queue the chunk at `src` (the open slot's, or lent) for compression. */
static void ub_ring_queue(ub_ring *r, const unsigned char *src)
{
    size_t slot = (size_t)(r->tail % r->n);
#if UB_HAVE_THREADS
    pthread_mutex_lock(&r->mu);
#endif
    r->src[slot] = src;
    r->status[slot] = UB_QUEUED;
    r->tail += 1;
#if UB_HAVE_THREADS
    pthread_cond_signal(&r->to_worker);
    pthread_mutex_unlock(&r->mu);
#endif
}

/* Copy up to `len` bytes into the ring; return how many fit (stops when
 * every slot is taken). Never waits. */
static size_t ub_ring_put(ub_ring *r, const unsigned char *src, size_t len)
{
    size_t done = 0;
    if (ub_forked(r))
        return 0; /* its worker is in the parent process */
    while (done < len && r->tail - r->head < r->n) {
        size_t slot = (size_t)(r->tail % r->n);
        size_t m = r->chunk - r->fill;
        if (m > len - done)
            m = len - done;
        memcpy(r->in + slot * r->chunk + r->fill, src + done, m);
        r->fill += m;
        done += m;
        if (r->fill == r->chunk) {
            ub_ring_queue(r, r->in + slot * r->chunk);
            r->fill = 0;
        }
    }
    return done;
}

/* Queue the whole chunks of `src` (up to `len` bytes) without copying
 * them: they are compressed where they are, so the caller leaves them
 * unchanged until ub_ring_wait_done returns for them. Only with no open
 * chunk (fill == 0); returns the bytes queued (it stops when every slot is
 * taken, or short of a whole chunk). Never waits. */
static size_t ub_ring_lend(ub_ring *r, const unsigned char *src, size_t len)
{
    size_t done = 0;
    if (ub_forked(r) || r->fill != 0)
        return 0;
    while (len - done >= r->chunk && r->tail - r->head < r->n) {
        ub_ring_queue(r, src + done);
        done += r->chunk;
    }
    return done;
}

/* Whether the oldest chunk is compressed: 1 yes, 0 not yet (only if
 * !wait), -1 no chunk queued, -2 the worker belongs to another process
 * (after a fork). With `wait`, wait for it, or without a worker compress
 * it here (call without the GIL). */
static int ub_ring_head_ready(ub_ring *r, int wait)
{
    int ready = 1, slot = (int)(r->head % r->n);
    if (r->head == r->tail)
        return -1;
    if (ub_forked(r))
        return -2;
    if (!r->running) {
        if (r->status[slot] != UB_QUEUED)
            return 1;
        if (!wait)
            return 0;
        r->status[slot] = ub_compress_slot(r, r->head);
        if (r->claim <= r->head)
            r->claim = r->head + 1;
        return 1;
    }
#if UB_HAVE_THREADS
    pthread_mutex_lock(&r->mu);
    while (r->status[slot] == UB_QUEUED) {
        if (!wait) {
            ready = 0;
            break;
        }
        if (r->claim < r->tail)
            ub_claim_and_compress(r); /* help instead of idling */
        else
            pthread_cond_wait(&r->to_owner, &r->mu);
    }
    pthread_mutex_unlock(&r->mu);
#endif
    return ready;
}

/* Wait until every chunk queued before the `upto`-th is compressed (lent
 * bytes may then change), compressing the unclaimed ones here; call
 * without the GIL. -2 after a fork (see ub_ring_head_ready), else 0. */
static int ub_ring_wait_done(ub_ring *r, long long upto)
{
    long long i;
    if (upto > r->tail)
        upto = r->tail;
    if (ub_forked(r))
        return -2;
    if (!r->running) {
        for (i = r->head; i < upto; i++) {
            int slot = (int)(i % r->n);
            if (r->status[slot] == UB_QUEUED)
                r->status[slot] = ub_compress_slot(r, i);
        }
        if (r->claim < upto)
            r->claim = upto;
        return 0;
    }
#if UB_HAVE_THREADS
    pthread_mutex_lock(&r->mu);
    for (i = r->head; i < upto; i++) {
        while (r->status[i % r->n] == UB_QUEUED) {
            if (r->claim < upto)
                ub_claim_and_compress(r); /* help instead of idling */
            else
                pthread_cond_wait(&r->to_owner, &r->mu);
        }
    }
    pthread_mutex_unlock(&r->mu);
#endif
    return 0;
}

/* Stop the worker (after the chunks it was given) and free everything. */
static void ub_ring_free(ub_ring *r)
{
    if (r == NULL)
        return;
#if UB_HAVE_THREADS
    /* After a fork the worker is not here and its lock may be held for
     * good: leave both alone. */
    if (!ub_forked(r)) {
        if (r->running) {
            pthread_mutex_lock(&r->mu);
            r->stop = 1;
            pthread_cond_signal(&r->to_worker);
            pthread_mutex_unlock(&r->mu);
            pthread_join(r->thread, NULL);
        }
        pthread_cond_destroy(&r->to_worker);
        pthread_cond_destroy(&r->to_owner);
        pthread_mutex_destroy(&r->mu);
    }
#endif
    ub_ring_drop_slots(r);
    free(r);
}

#endif /* UB_DRING_H */
