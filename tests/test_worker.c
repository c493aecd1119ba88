/*
 * The worker thread the plugins share (common/worker.c): start runs first
 * on the thread with the context as its default, posted work runs there,
 * a busy timer cannot hold stop back, and finish runs last.
 */
#include <glib.h>

#include "worker.h"

struct record {
	struct wall_worker *worker;
	GThread *thread;
	bool default_context;
	int started;
	int posted;
	int finished;
	/* The order of events, as letters: s(tart), p(ost), f(inish). */
	GString *order;
	GMutex lock;
	GCond posted_cond;
};

static void on_start(void *user)
{
	struct record *record = user;
	record->thread = g_thread_self();
	record->default_context =
	        g_main_context_get_thread_default() == wall_worker_context(record->worker);
	record->started++;
	g_string_append_c(record->order, 's');
}

static void on_finish(void *user)
{
	struct record *record = user;
	g_assert_true(g_thread_self() == record->thread);
	record->finished++;
	g_string_append_c(record->order, 'f');
}

static gboolean on_post(gpointer user)
{
	struct record *record = user;
	g_assert_true(g_thread_self() == record->thread);
	g_mutex_lock(&record->lock);
	record->posted++;
	g_string_append_c(record->order, 'p');
	g_cond_signal(&record->posted_cond);
	g_mutex_unlock(&record->lock);
	return G_SOURCE_REMOVE;
}

/* A timer that is always due and takes its time: a panel drawing flat out. */
static gboolean on_busy(gpointer user)
{
	g_usleep(2000);
	return G_SOURCE_CONTINUE;
}

static void test_lifecycle(void)
{
	struct record record = {.order = g_string_new(NULL)};
	g_mutex_init(&record.lock);
	g_cond_init(&record.posted_cond);
	record.worker = wall_worker_new();
	wall_worker_start(record.worker, "test-worker", on_start, on_finish, &record);
	wall_worker_post(record.worker, on_post, &record, 0, false);
	GSource *later = wall_worker_post(record.worker, on_post, &record, 60000, true);
	g_assert_nonnull(later);

	gint64 deadline = g_get_monotonic_time() + 30 * G_TIME_SPAN_SECOND;
	g_mutex_lock(&record.lock);
	while (record.posted == 0 &&
	       g_cond_wait_until(&record.posted_cond, &record.lock, deadline)) {
	}
	g_mutex_unlock(&record.lock);
	g_assert_cmpint(record.posted, ==, 1);

	/* Cancelled: it never runs. */
	g_source_destroy(later);
	g_source_unref(later);
	GSource *busy = g_timeout_source_new(0);
	g_source_set_callback(busy, on_busy, NULL, NULL);
	g_source_attach(busy, wall_worker_context(record.worker));
	g_source_unref(busy);

	wall_worker_stop(record.worker);
	g_assert_cmpint(record.started, ==, 1);
	g_assert_true(record.default_context);
	g_assert_cmpint(record.finished, ==, 1);
	g_assert_cmpstr(record.order->str, ==, "spf");
	g_assert_false(record.thread == g_thread_self());

	g_cond_clear(&record.posted_cond);
	g_mutex_clear(&record.lock);
	g_string_free(record.order, TRUE);
}

static void test_stop_unstarted(void)
{
	/* A plugin whose create() fails after making its worker frees it unstarted. */
	wall_worker_stop(wall_worker_new());
	wall_worker_stop(NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/worker/lifecycle", test_lifecycle);
	g_test_add_func("/worker/stop-unstarted", test_stop_unstarted);
	return g_test_run();
}
