#include "datastore.h"

#include <glib.h>

struct document {
	char *json;
	uint64_t generation;
};

static GMutex lock;
static GHashTable *documents;
static uint64_t last_generation;

static void document_free(void *data)
{
	struct document *document = data;
	g_free(document->json);
	g_free(document);
}

void wall_data_set(const char *key, const char *json)
{
	struct document *document = g_new0(struct document, 1);
	document->json = g_strdup(json);
	g_mutex_lock(&lock);
	if (documents == NULL) {
		documents = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, document_free);
	}
	/* One counter for all keys: a generation never repeats, even when a
	 * key is cleared and set again. */
	document->generation = ++last_generation;
	g_hash_table_replace(documents, g_strdup(key), document);
	g_mutex_unlock(&lock);
}

char *wall_data_get(const char *key, uint64_t *generation)
{
	char *json = NULL;
	uint64_t found = 0;
	g_mutex_lock(&lock);
	struct document *document = documents != NULL ? g_hash_table_lookup(documents, key) : NULL;
	if (document != NULL) {
		json = g_strdup(document->json);
		found = document->generation;
	}
	g_mutex_unlock(&lock);
	if (generation != NULL) {
		*generation = found;
	}
	return json;
}

void wall_data_clear(void)
{
	g_mutex_lock(&lock);
	if (documents != NULL) {
		g_hash_table_destroy(documents);
		documents = NULL;
	}
	g_mutex_unlock(&lock);
}
