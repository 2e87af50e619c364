/* Error names and descriptions, looked up in the X-macro tables. */
#include "errors.h"

typedef struct bitsdo__error_entry {
    uint32_t value;
    const char *name;
    const char *text;
} bitsdo__error_entry;

#define BITSDO__ENTRY(name, value, text) {(uint32_t)(value), #name, text},

static const bitsdo__error_entry bitsdo__errors[] = {
    BITSDO_BG_ERRORS(BITSDO__ENTRY) BITSDO_DO_ERRORS(BITSDO__ENTRY) BITSDO_QM_ERRORS(BITSDO__ENTRY)};

static const bitsdo__error_entry bitsdo__sys_errors[] = {BITSDO_SYS_ERRORS(BITSDO__ENTRY)};

static const bitsdo__error_entry bitsdo__contexts[] = {BITSDO_CONTEXTS(BITSDO__ENTRY)};

#undef BITSDO__ENTRY

static const bitsdo__error_entry *bitsdo__error_find(bitsdo_hr hr)
{
    uint32_t v = (uint32_t)hr;
    size_t i;

    for (i = 0; i < sizeof(bitsdo__errors) / sizeof(bitsdo__errors[0]); i++) {
        if (bitsdo__errors[i].value == v)
            return &bitsdo__errors[i];
    }
    return NULL;
}

static const bitsdo__error_entry *bitsdo__sys_error_find(bitsdo_hr hr)
{
    uint32_t v = (uint32_t)hr;
    size_t i;

    for (i = 0; i < sizeof(bitsdo__sys_errors) / sizeof(bitsdo__sys_errors[0]); i++) {
        if (bitsdo__sys_errors[i].value == v)
            return &bitsdo__sys_errors[i];
    }
    return NULL;
}

const char *bitsdo_error_name(bitsdo_hr hr)
{
    const bitsdo__error_entry *e = bitsdo__error_find(hr);

    if (!e)
        e = bitsdo__sys_error_find(hr);
    return e ? e->name : NULL;
}

const char *bitsdo_sys_error_text(bitsdo_hr hr)
{
    const bitsdo__error_entry *e = bitsdo__sys_error_find(hr);
    return e ? e->text : NULL;
}

const char *bitsdo_error_text(bitsdo_hr hr)
{
    const bitsdo__error_entry *e = bitsdo__error_find(hr);
    return e ? e->text : NULL;
}

const char *bitsdo_context_text(uint32_t context)
{
    size_t i;

    for (i = 0; i < sizeof(bitsdo__contexts) / sizeof(bitsdo__contexts[0]); i++) {
        if (bitsdo__contexts[i].value == context)
            return bitsdo__contexts[i].text;
    }
    return NULL;
}

int bitsdo_do_error_is_transient(bitsdo_hr hr)
{
    uint32_t v = (uint32_t)hr;

    /* A failure (severity bit), facility 0xD0, code in the transient zone. */
    if (!BITSDO_FAILED(hr))
        return 0;
    if (((v >> 16) & 0x1FFFu) != 0xD0u)
        return 0;
    return (v & 0xF800u) == 0x3800u;
}
