/* Tests for state.c: every (state, operation) cell, restated here on its
 * own so a change to the table has to be made twice, on purpose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "state.h"

#define Q  BITSDO_STATE_QUEUED
#define CN BITSDO_STATE_CONNECTING
#define TG BITSDO_STATE_TRANSFERRING
#define SU BITSDO_STATE_SUSPENDED
#define ER BITSDO_STATE_ERROR
#define TE BITSDO_STATE_TRANSIENT_ERROR
#define TD BITSDO_STATE_TRANSFERRED
#define AK BITSDO_STATE_ACKNOWLEDGED
#define CA BITSDO_STATE_CANCELLED

/* Expected outcome kinds. */
enum {
    OK,
    BAD,
    COMPLETE,
    RESUME,
    ALL_DONE
};
#define SAME 99

typedef struct cell {
    int kind;
    int next;
} cell;

/* clang-format off */
static const cell expected[BITSDO_OP_COUNT][BITSDO_STATE_COUNT] = {
    /*                       Q              CN              TG              SU             ER             TE             TD             AK          CA */
    [BITSDO_OP_ADD_FILE] = { {OK, SAME},    {OK, SAME},     {OK, SAME},     {OK, SAME},    {OK, SAME},    {OK, SAME},    {OK, Q},       {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_RESUME]   = { {RESUME, SAME},{RESUME, SAME}, {RESUME, SAME}, {RESUME, Q},   {RESUME, Q},   {RESUME, Q},   {RESUME, SAME},{BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_SUSPEND]  = { {OK, SU},      {OK, SU},       {OK, SU},       {OK, SAME},    {OK, SAME},    {OK, SU},      {OK, SAME},    {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_CANCEL]   = { {OK, CA},      {OK, CA},       {OK, CA},       {OK, CA},      {OK, CA},      {OK, CA},      {OK, CA},      {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_COMPLETE] = { {COMPLETE, AK},{COMPLETE, AK}, {COMPLETE, AK}, {COMPLETE, AK},{COMPLETE, AK},{COMPLETE, AK},{COMPLETE, AK},{BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_MODIFY]   = { {OK, SAME},    {OK, SAME},     {OK, SAME},     {OK, SAME},    {OK, SAME},    {OK, SAME},    {OK, SAME},    {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_CONNECT]  = { {OK, CN},      {OK, SAME},     {OK, CN},       {BAD, SAME},   {BAD, SAME},   {OK, CN},      {BAD, SAME},   {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_DATA]     = { {BAD, SAME},   {OK, TG},       {OK, SAME},     {BAD, SAME},   {BAD, SAME},   {BAD, SAME},   {BAD, SAME},   {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_ALL_DONE] = { {ALL_DONE, TD},{ALL_DONE, TD}, {ALL_DONE, TD}, {BAD, SAME},   {BAD, SAME},   {BAD, SAME},   {BAD, SAME},   {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_FAIL]     = { {OK, ER},      {OK, ER},       {OK, ER},       {BAD, SAME},   {BAD, SAME},   {OK, ER},      {BAD, SAME},   {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_FAIL_TRANSIENT] = { {OK, TE},{OK, TE},       {OK, TE},       {BAD, SAME},   {BAD, SAME},   {BAD, SAME},   {BAD, SAME},   {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_RETRY]    = { {BAD, SAME},   {BAD, SAME},    {BAD, SAME},    {BAD, SAME},   {BAD, SAME},   {OK, Q},       {BAD, SAME},   {BAD, SAME}, {BAD, SAME} },
    [BITSDO_OP_LOSE_FILE]= { {OK, ER},      {OK, ER},       {OK, ER},       {OK, ER},      {OK, SAME},    {OK, ER},      {OK, ER},      {BAD, SAME}, {BAD, SAME} },
};

/* clang-format on */
/* The job facts each cell is tried with. */
static const bitsdo_state_ctx contexts[] = {
    {0, 0}, /* no files */
    {1, 0}, /* one file, not transferred */
    {3, 1}, /* some transferred */
    {3, 3}, /* all transferred */
};

static bitsdo_hr expected_hr(int kind, const bitsdo_state_ctx *ctx)
{
    switch (kind) {
    case OK:
        return BITSDO_S_OK;
    case BAD:
        return BITSDO_BG_E_INVALID_STATE;
    case COMPLETE:
        return ctx->files_transferred < ctx->files_total ? BITSDO_BG_S_PARTIAL_COMPLETE : BITSDO_S_OK;
    case RESUME:
        return ctx->files_total ? BITSDO_S_OK : BITSDO_BG_E_EMPTY;
    case ALL_DONE:
        return ctx->files_total && ctx->files_transferred == ctx->files_total ? BITSDO_S_OK
                                                                              : BITSDO_BG_E_INVALID_STATE;
    }
    return BITSDO_E_FAIL;
}

static void test_whole_table(void **state)
{
    unsigned op, st, c, cells = 0;

    (void)state;
    for (op = 0; op < BITSDO_OP_COUNT; op++) {
        for (st = 0; st < BITSDO_STATE_COUNT; st++) {
            const cell *e = &expected[op][st];

            for (c = 0; c < sizeof(contexts) / sizeof(contexts[0]); c++) {
                bitsdo_state s = (bitsdo_state)st;
                bitsdo_hr want = expected_hr(e->kind, &contexts[c]);
                bitsdo_hr hr = bitsdo_state_apply(&s, (bitsdo_op)op, &contexts[c]);

                if (hr != want)
                    print_error("op %u state %s ctx %u: hr 0x%08x, want 0x%08x\n",
                                op,
                                bitsdo_state_name((bitsdo_state)st),
                                c,
                                (unsigned)hr,
                                (unsigned)want);
                assert_int_equal(hr, want);
                if (BITSDO_FAILED(hr) || e->next == SAME)
                    assert_int_equal(s, st);
                else
                    assert_int_equal(s, e->next);
                cells++;
            }
        }
    }
    assert_int_equal(cells, BITSDO_OP_COUNT * BITSDO_STATE_COUNT * 4);
}

static void test_final_states_refuse_everything(void **state)
{
    bitsdo_state finals[] = {AK, CA};
    bitsdo_state_ctx ctx = {2, 2};
    unsigned i, op;

    (void)state;
    for (i = 0; i < 2; i++) {
        for (op = 0; op < BITSDO_OP_COUNT; op++) {
            bitsdo_state s = finals[i];
            assert_int_equal(bitsdo_state_apply(&s, (bitsdo_op)op, &ctx), BITSDO_BG_E_INVALID_STATE);
            assert_int_equal(s, finals[i]);
        }
        assert_true(bitsdo_state_is_final(finals[i]));
    }
}

static void test_documented_lifecycle(void **state)
{
    bitsdo_state s = SU; /* a new job */
    bitsdo_state_ctx ctx = {0, 0};

    (void)state;
    /* Resume with no files: BG_E_EMPTY, still suspended */
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_RESUME, &ctx), BITSDO_BG_E_EMPTY);
    assert_int_equal(s, SU);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_ADD_FILE, &ctx), BITSDO_S_OK);
    ctx.files_total = 1;
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_SUSPEND, &ctx), BITSDO_S_OK);
    assert_int_equal(s, SU);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_RESUME, &ctx), BITSDO_S_OK);
    assert_int_equal(s, Q);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_CONNECT, &ctx), BITSDO_S_OK);
    assert_int_equal(s, CN);
    /* connection failed: transient, retried */
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_FAIL_TRANSIENT, &ctx), BITSDO_S_OK);
    assert_int_equal(s, TE);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_RETRY, &ctx), BITSDO_S_OK);
    assert_int_equal(s, Q);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_CONNECT, &ctx), BITSDO_S_OK);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_DATA, &ctx), BITSDO_S_OK);
    assert_int_equal(s, TG);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_DATA, &ctx), BITSDO_S_OK);
    /* all done before the file is counted: refused */
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_ALL_DONE, &ctx), BITSDO_BG_E_INVALID_STATE);
    assert_int_equal(s, TG);
    ctx.files_transferred = 1;
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_ALL_DONE, &ctx), BITSDO_S_OK);
    assert_int_equal(s, TD);
    /* another file: back to work */
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_ADD_FILE, &ctx), BITSDO_S_OK);
    assert_int_equal(s, Q);
    ctx.files_total = 2;
    /* complete with one file missing */
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_COMPLETE, &ctx), BITSDO_BG_S_PARTIAL_COMPLETE);
    assert_int_equal(s, AK);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_CANCEL, &ctx), BITSDO_BG_E_INVALID_STATE);
    assert_int_equal(s, AK);
}

static void test_cancel_and_error_paths(void **state)
{
    bitsdo_state s = TG;
    bitsdo_state_ctx ctx = {2, 0};

    (void)state;
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_FAIL, &ctx), BITSDO_S_OK);
    assert_int_equal(s, ER);
    /* the worker stopped: its later reports are refused */
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_DATA, &ctx), BITSDO_BG_E_INVALID_STATE);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_SUSPEND, &ctx), BITSDO_S_OK);
    assert_int_equal(s, ER);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_RESUME, &ctx), BITSDO_S_OK);
    assert_int_equal(s, Q);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_CANCEL, &ctx), BITSDO_S_OK);
    assert_int_equal(s, CA);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_CANCEL, &ctx), BITSDO_BG_E_INVALID_STATE);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_MODIFY, &ctx), BITSDO_BG_E_INVALID_STATE);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_COMPLETE, &ctx), BITSDO_BG_E_INVALID_STATE);
    assert_int_equal(s, CA);
}

static void test_bad_arguments(void **state)
{
    bitsdo_state s = SU;
    bitsdo_state bogus = (bitsdo_state)BITSDO_STATE_COUNT;

    (void)state;
    assert_int_equal(bitsdo_state_apply(NULL, BITSDO_OP_RESUME, NULL), BITSDO_E_POINTER);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_COUNT, NULL), BITSDO_E_INVALIDARG);
    assert_int_equal(bitsdo_state_apply(&s, (bitsdo_op)-1, NULL), BITSDO_E_INVALIDARG);
    assert_int_equal(s, SU);
    assert_int_equal(bitsdo_state_apply(&bogus, BITSDO_OP_CANCEL, NULL), BITSDO_E_INVALIDARG);
    assert_int_equal(bogus, BITSDO_STATE_COUNT);
    /* NULL ctx: a job without files */
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_RESUME, NULL), BITSDO_BG_E_EMPTY);
    assert_int_equal(bitsdo_state_apply(&s, BITSDO_OP_COMPLETE, NULL), BITSDO_S_OK);
    assert_int_equal(s, AK);
}

static void test_predicates_and_names(void **state)
{
    static const char *const names[] = {
        "QUEUED",
        "CONNECTING",
        "TRANSFERRING",
        "SUSPENDED",
        "ERROR",
        "TRANSIENT_ERROR",
        "TRANSFERRED",
        "ACKNOWLEDGED",
        "CANCELLED",
    };
    unsigned st;

    (void)state;
    for (st = 0; st < BITSDO_STATE_COUNT; st++) {
        bitsdo_state s = (bitsdo_state)st;

        assert_string_equal(bitsdo_state_name(s), names[st]);
        assert_int_equal(bitsdo_state_is_final(s), s == AK || s == CA);
        assert_int_equal(bitsdo_state_is_active(s), s == Q || s == CN || s == TG);
    }
    assert_null(bitsdo_state_name(BITSDO_STATE_COUNT));
    assert_null(bitsdo_state_name((bitsdo_state)1000));
    /* values are BG_JOB_STATE's */
    assert_int_equal(Q, 0);
    assert_int_equal(SU, 3);
    assert_int_equal(TD, 6);
    assert_int_equal(CA, 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_table),
        cmocka_unit_test(test_final_states_refuse_everything),
        cmocka_unit_test(test_documented_lifecycle),
        cmocka_unit_test(test_cancel_and_error_paths),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_predicates_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
