/* The file transport: local paths, \\server\share paths and file:// URLs,
 * copied in chunks with resume from the temp file's length. */
#include <stdlib.h>

#include "DeliveryOptimization.h"
#include "fetch.h"
#include "prof.h"

#define CHUNK (1024 * 1024)

static BOOL file_handles(bitsdo_remote_kind kind)
{
    return kind == BITSDO_REMOTE_FILE_URL || kind == BITSDO_REMOTE_UNC ||
           kind == BITSDO_REMOTE_PATH;
}

/* Whether an error opening or reading the source may go away by itself
 * (a share that is busy or briefly unreachable) rather than needing the
 * caller to fix something. */
static BOOL is_transient(DWORD err)
{
    switch (err) {
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_NETNAME_DELETED:
    case ERROR_UNEXP_NET_ERR:
    case ERROR_NETWORK_UNREACHABLE:
    case ERROR_HOST_UNREACHABLE:
    case ERROR_BAD_NETPATH:
    case ERROR_NETWORK_BUSY:
    case ERROR_SEM_TIMEOUT:
    case ERROR_HANDLE_EOF:
    case ERROR_NOT_READY:
        return TRUE;
    default:
        return FALSE;
    }
}

static HRESULT fail(bitsdo_fetch *f, DWORD err)
{
    f->error_context = BG_ERROR_CONTEXT_REMOTE_FILE;
    f->transient = is_transient(err);
    return HRESULT_FROM_WIN32(err);
}

/* A file added with ranges: each range read at its offset in the source
 * (the packed or in-place placement is fetch.c's business). */
static HRESULT ranges_fetch(bitsdo_fetch *f, HANDLE src, UINT64 size)
{
    UINT64 from, len, dst;
    LARGE_INTEGER pos;
    BYTE *buf;
    DWORD got, want;
    BOOL ok;
    HRESULT hr;

    if (FAILED(hr = bitsdo_fetch_range_size(f, size)))
        return hr;
    if (!(buf = malloc(CHUNK)))
        return E_OUTOFMEMORY;
    while ((hr = bitsdo_fetch_range_piece(f, f->offset, &from, &len, &dst)) == S_OK) {
        if (bitsdo_fetch_stopped(f)) {
            hr = E_ABORT;
            break;
        }
        pos.QuadPart = (LONGLONG)from;
        if (!SetFilePointerEx(src, pos, NULL, FILE_BEGIN)) {
            hr = fail(f, GetLastError());
            break;
        }
        want = len < CHUNK ? (DWORD)len : CHUNK;
        {
            BITSDO_PROF_START(t_read);

            ok = ReadFile(src, buf, want, &got, NULL);
            BITSDO_PROF_STOP(BITSDO_PROF_READ, t_read);
        }
        if (!ok) {
            hr = fail(f, GetLastError());
            break;
        }
        if (!got) {
            hr = fail(f, ERROR_HANDLE_EOF); /* the source shrank under us */
            break;
        }
        if (FAILED(hr = bitsdo_fetch_write(f, dst, buf, got)))
            break;
        f->offset += got;
    }
    free(buf);
    return hr == S_FALSE ? S_OK : hr;
}

static HRESULT file_fetch(bitsdo_fetch *f)
{
    WCHAR path[MAX_PATH + 1];
    BY_HANDLE_FILE_INFORMATION info;
    LARGE_INTEGER pos;
    UINT64 size, offset, mtime;
    HANDLE src;
    BYTE *buf = NULL;
    DWORD got, want;
    BOOL ok;
    HRESULT hr;

    if (f->kind == BITSDO_REMOTE_FILE_URL) {
        if (FAILED(bitsdo_file_url_to_path((const bitsdo_wchar *)f->remote,
                                           (bitsdo_wchar *)path, MAX_PATH + 1)))
            return fail(f, ERROR_INVALID_NAME);
    } else {
        if (wcslen(f->remote) > MAX_PATH)
            return fail(f, ERROR_FILENAME_EXCED_RANGE);
        wcscpy(path, f->remote);
    }

    src = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                      NULL, OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, NULL);
    if (src == INVALID_HANDLE_VALUE)
        return fail(f, GetLastError());
    if (!GetFileInformationByHandle(src, &info)) {
        hr = fail(f, GetLastError());
        goto done;
    }
    if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
        hr = fail(f, ERROR_ACCESS_DENIED);
        goto done;
    }
    size = ((UINT64)info.nFileSizeHigh << 32) | info.nFileSizeLow;
    mtime = ((UINT64)info.ftLastWriteTime.dwHighDateTime << 32) | info.ftLastWriteTime.dwLowDateTime;

    /* A source that changed since the partial data was read: start over. */
    if (f->file->remote_mtime && f->file->remote_mtime != mtime && f->offset) {
        if (FAILED(hr = bitsdo_fetch_restart(f)))
            goto done;
    }
    f->file->remote_mtime = mtime;
    if (f->ranges) {
        hr = ranges_fetch(f, src, size);
        goto done;
    }
    if (FAILED(hr = bitsdo_fetch_set_size(f, size)))
        goto done;
    offset = f->offset;

    pos.QuadPart = (LONGLONG)offset;
    if (!SetFilePointerEx(src, pos, NULL, FILE_BEGIN)) {
        hr = fail(f, GetLastError());
        goto done;
    }
    if (!(buf = malloc(CHUNK))) {
        hr = E_OUTOFMEMORY;
        goto done;
    }
    hr = S_OK;
    while (offset < size) {
        if (bitsdo_fetch_stopped(f)) {
            hr = E_ABORT;
            break;
        }
        want = size - offset < CHUNK ? (DWORD)(size - offset) : CHUNK;
        {
            BITSDO_PROF_START(t_read);

            ok = ReadFile(src, buf, want, &got, NULL);
            BITSDO_PROF_STOP(BITSDO_PROF_READ, t_read);
        }
        if (!ok) {
            hr = fail(f, GetLastError());
            break;
        }
        if (!got) {
            /* The source shrank under us; the next attempt sees its new size. */
            hr = fail(f, ERROR_HANDLE_EOF);
            break;
        }
        if (FAILED(hr = bitsdo_fetch_write(f, offset, buf, got)))
            break;
        offset += got;
    }

done:
    free(buf);
    CloseHandle(src);
    return hr;
}

const bitsdo_transport bitsdo_transport_file = {
    "file",
    file_handles,
    file_fetch,
};
