#include "metrics.h"

#include <glib.h>
#include <string.h>

/*
 * Publishers are plugin threads and readers the control thread, so one
 * lock guards the table. It is held only to copy a value in or out.
 */
static GMutex metrics_lock;
/* Name (owned) to a g_new'd double. Created on first use. */
static GHashTable *metrics;

static GHashTable *table(void)
{
	if (metrics == NULL) {
		metrics = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	}
	return metrics;
}

void wall_metrics_set(const char *name, double value)
{
	g_return_if_fail(name != NULL);
	g_mutex_lock(&metrics_lock);
	double *slot = g_hash_table_lookup(table(), name);
	if (slot == NULL) {
		slot = g_new(double, 1);
		g_hash_table_insert(metrics, g_strdup(name), slot);
	}
	*slot = value;
	g_mutex_unlock(&metrics_lock);
}

bool wall_metrics_get(const char *name, double *value)
{
	g_return_val_if_fail(name != NULL, false);
	g_mutex_lock(&metrics_lock);
	const double *slot = g_hash_table_lookup(table(), name);
	if (slot != NULL && value != NULL) {
		*value = *slot;
	}
	g_mutex_unlock(&metrics_lock);
	return slot != NULL;
}

bool wall_metrics_remove(const char *name)
{
	g_return_val_if_fail(name != NULL, false);
	g_mutex_lock(&metrics_lock);
	bool removed = g_hash_table_remove(table(), name);
	g_mutex_unlock(&metrics_lock);
	return removed;
}

struct snapshot_item {
	char *name;
	double value;
};

static int compare_items(const void *a, const void *b)
{
	const struct snapshot_item *x = a;
	const struct snapshot_item *y = b;
	return strcmp(x->name, y->name);
}

void wall_metrics_foreach(wall_metrics_fn fn, void *user)
{
	g_return_if_fail(fn != NULL);
	GArray *items = g_array_new(FALSE, FALSE, sizeof(struct snapshot_item));
	g_mutex_lock(&metrics_lock);
	GHashTableIter iter;
	void *key;
	void *value;
	g_hash_table_iter_init(&iter, table());
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		struct snapshot_item item = {g_strdup(key), *(double *)value};
		g_array_append_val(items, item);
	}
	g_mutex_unlock(&metrics_lock);

	g_array_sort(items, compare_items);
	for (unsigned i = 0; i < items->len; i++) {
		struct snapshot_item *item = &g_array_index(items, struct snapshot_item, i);
		fn(user, item->name, item->value);
		g_free(item->name);
	}
	g_array_free(items, TRUE);
}

void wall_metrics_clear(void)
{
	g_mutex_lock(&metrics_lock);
	if (metrics != NULL) {
		g_hash_table_remove_all(metrics);
	}
	g_mutex_unlock(&metrics_lock);
}
