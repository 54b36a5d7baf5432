#include "probe_hosts.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct ph_pool {
	const struct probe_params	*tmpl;
	struct probe_hosts_target	*t;
	size_t				 n;
	size_t				 next;	/* the next target to take */
	size_t				 ran;
	pthread_mutex_t			 lock;
};

static void
ph_one(const struct probe_params *tmpl, struct probe_hosts_target *t)
{
	struct probe_params p = *tmpl;

	p.host = t->host;
	p.port = t->port;
	p.skip_why = t->skip_why;
	if (t->skip_why)
		p.offline = 1;
	t->round = NULL;
	t->err[0] = '\0';
	if (probe_run(&p, &t->round, t->err) != 0)
		t->round = NULL;
}

static void *
ph_worker(void *arg)
{
	struct ph_pool *pool = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&pool->lock);
		i = pool->next < pool->n ? pool->next++ : pool->n;
		pthread_mutex_unlock(&pool->lock);
		if (i == pool->n)
			return NULL;
		ph_one(pool->tmpl, &pool->t[i]);
		pthread_mutex_lock(&pool->lock);
		pool->ran += pool->t[i].round != NULL;
		pthread_mutex_unlock(&pool->lock);
	}
}

size_t
probe_hosts_run(const struct probe_params *tmpl, struct probe_hosts_target *t, size_t n)
{
	pthread_t threads[PROBE_HOSTS_PARALLEL];
	struct ph_pool pool;
	size_t i, nthreads = n < PROBE_HOSTS_PARALLEL ? n : PROBE_HOSTS_PARALLEL, made = 0;

	memset(&pool, 0, sizeof(pool));
	pool.tmpl = tmpl;
	pool.t = t;
	pool.n = n;
	pthread_mutex_init(&pool.lock, NULL);
	/* One target needs no thread; and when none can be made, the calling
	 * thread does all the work as a worker itself. */
	for (i = 0; n > 1 && i < nthreads; i++) {
		if (pthread_create(&threads[made], NULL, ph_worker, &pool) != 0)
			break;
		made++;
	}
	ph_worker(&pool);
	for (i = 0; i < made; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&pool.lock);
	return pool.ran;
}
