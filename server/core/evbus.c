/*
 * The in-process event bus: a list of subscribers under one mutex.
 * See include/fieldd/evbus.h.
 */
#include "fieldd/evbus.h"
#include "fieldd/auth.h"

#include <pthread.h>
#include <stdatomic.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct evbus_sub *head;
static int count;
static atomic_ulong published;

void evbus_subscribe(struct evbus_sub *s)
{
	pthread_mutex_lock(&mu);
	s->prev = NULL;
	s->next = head;
	if (head)
		head->prev = s;
	head = s;
	count++;
	pthread_mutex_unlock(&mu);
}

void evbus_unsubscribe(struct evbus_sub *s)
{
	pthread_mutex_lock(&mu);
	if (s->prev)
		s->prev->next = s->next;
	else if (head == s)
		head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	count--;
	pthread_mutex_unlock(&mu);
}

void evbus_publish(const struct evbus_event *ev)
{
	if (ev->type == EVBUS_CHANGE)
		atomic_fetch_add(&published, 1);
	pthread_mutex_lock(&mu);
	for (struct evbus_sub *s = head; s; s = s->next)
		s->fn(s->ctx, ev);
	pthread_mutex_unlock(&mu);
}

int evbus_subscribers(void)
{
	pthread_mutex_lock(&mu);
	int n = count;
	pthread_mutex_unlock(&mu);
	return n;
}

uint64_t evbus_published(void)
{
	return atomic_load(&published);
}

bool evbus_visible(const struct evbus_event *ev, int64_t user_id, unsigned role_bit,
		   int64_t team_id)
{
	if (ev->type != EVBUS_CHANGE)
		return true;
	if (role_bit & (ROLE_ADMIN | ROLE_DISPATCHER))
		return true;
	for (int i = 0; i < ev->npeople; i++)
		if (ev->people[i] == user_id)
			return true;
	if ((role_bit & ROLE_LEAD) && team_id > 0)
		for (int i = 0; i < ev->nteams; i++)
			if (ev->teams[i] == team_id)
				return true;
	return false;
}
