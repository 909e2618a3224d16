#define _GNU_SOURCE /* accept4 */
/*
 * The connection guard: fieldd's own accepting, limits and deadlines.
 *
 * One thread accepts. It counts what it has admitted, in all and per client
 * address, and refuses past FIELDD_CONN_LIMIT / FIELDD_PER_IP_LIMIT itself:
 * a short 503 problem+json with Retry-After, written at once, then the
 * socket is half-closed and drained for a moment before it is closed (a
 * close with unread request bytes would reset the answer away). Admitted
 * sockets go to the HTTP event loop (one libmicrohttpd daemon each) with the
 * fewest connections, through MHD_add_connection(). Each daemon's own limit
 * is set well above FIELDD_CONN_LIMIT and its per-address limit is off, so
 * libmicrohttpd never takes its refusal path: in 0.9.75 a daemon refusing an
 * added connection at its limit returned without releasing a mutex, and that
 * event loop (and with it SIGTERM) hung for good. 1.0.1, which make builds,
 * fixed it; the limit stays out of reach all the same.
 *
 * Deadlines: libmicrohttpd's timeout counts idle time only. Each connection
 * is tracked from MHD's "started" notification to its "closed" one with its
 * phase (http_int.h); a tick every 250 ms shuts down the socket of a
 * connection past its head or body deadline (best effort 408 first). The
 * list and the close notification share one lock, and libmicrohttpd closes
 * the descriptor only after that notification, so a descriptor is never
 * shut after it was reused.
 *
 * Liveness: the same tick hands each event loop a probe (one end of a
 * socketpair carrying "GET /healthz") and reads the answer on the next
 * ticks; an event loop that has not answered for PROBE_STUCK_MS is reported
 * by /readyz and /metrics.
 */
#include "http_int.h"

#include "fieldd/config.h"
#include "fieldd/errors.h"
#include "fieldd/http.h"
#include "fieldd/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_LOOPS      64
#define LINGER_MAX     256
#define LINGER_MS      2000
#define TICK_MS	       250
#define PROBE_EVERY_MS 1000
#define PROBE_STUCK_MS 5000
#define IP_BUCKETS     4096

uint64_t http_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- per-address counts (IPv4/IPv6 address bytes as the key) ---- */

struct ip_count {
	unsigned char key[16];
	unsigned len, n;
	struct ip_count *next;
};
static struct ip_count *ip_table[IP_BUCKETS];
static pthread_mutex_t ip_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned addr_key(const struct sockaddr *sa, unsigned char key[16])
{
	if (sa && sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa && sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 16;
	}
	return 0;
}

static unsigned ip_hash(const unsigned char *k, unsigned len)
{
	unsigned h = 2166136261u;
	for (unsigned i = 0; i < len; i++)
		h = (h ^ k[i]) * 16777619u;
	return h % IP_BUCKETS;
}

/* Adds one for the address unless it is at limit (0: none); false when refused. */
static bool ip_acquire(const unsigned char *k, unsigned len, unsigned limit)
{
	if (!len)
		return true;
	unsigned h = ip_hash(k, len);
	bool ok = true;
	pthread_mutex_lock(&ip_mu);
	struct ip_count *c = ip_table[h];
	while (c && (c->len != len || memcmp(c->key, k, len)))
		c = c->next;
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c)
			abort();
		memcpy(c->key, k, len);
		c->len = len;
		c->next = ip_table[h];
		ip_table[h] = c;
	}
	if (limit && c->n >= limit)
		ok = false;
	else
		c->n++;
	pthread_mutex_unlock(&ip_mu);
	return ok;
}

static void ip_release(const unsigned char *k, unsigned len)
{
	if (!len)
		return;
	unsigned h = ip_hash(k, len);
	pthread_mutex_lock(&ip_mu);
	for (struct ip_count **p = &ip_table[h]; *p; p = &(*p)->next) {
		struct ip_count *c = *p;
		if (c->len == len && !memcmp(c->key, k, len)) {
			if (c->n > 0)
				c->n--;
			if (c->n == 0) {
				*p = c->next;
				free(c);
			}
			break;
		}
	}
	pthread_mutex_unlock(&ip_mu);
}

/* ---- tracked connections ---- */

struct tracked {
	struct MHD_Connection *conn;
	int fd;
	unsigned loop;
	enum conn_phase phase;
	uint64_t deadline_ms; /* 0: none */
	bool shut;
	unsigned char key[16];
	unsigned keylen;
	struct tracked *prev, *next;
};

static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tracked *tracked_head;

static struct MHD_Daemon *loops[MAX_LOOPS];
static unsigned nloops;
static atomic_int loop_conns[MAX_LOOPS]; /* admitted, per event loop */
static atomic_int admitted;
static atomic_ulong n_refused_limit, n_refused_ip, n_deadline;

struct probe {
	int fd;	    /* our end, -1 when none is out */
	int mhd_fd; /* the end handed to the event loop, while it has it */
	uint64_t sent_ms, last_ok_ms;
};
static int probe_listener = -1; /* 127.0.0.1:ephemeral, for making TCP pairs */
static struct probe probes[MAX_LOOPS];
static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;

static void set_deadline(struct tracked *t, enum conn_phase ph, uint64_t now)
{
	t->phase = ph;
	switch (ph) {
	case CONN_HEAD:
		t->deadline_ms = now + cfg.head_timeout * 1000ull;
		break;
	case CONN_BODY:
		t->deadline_ms = now + cfg.body_timeout * 1000ull;
		break;
	case CONN_IDLE:
		t->deadline_ms = now + (cfg.conn_timeout + cfg.head_timeout) * 1000ull;
		break;
	default:
		t->deadline_ms = 0;
	}
}

static bool is_probe_fd(unsigned loop, int fd);

void conn_notify(void *cls, struct MHD_Connection *c, void **socket_ctx,
		 enum MHD_ConnectionNotificationCode code)
{
	unsigned loop = (unsigned)(uintptr_t)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct tracked *t = calloc(1, sizeof *t);
		if (!t)
			abort();
		t->conn = c;
		t->loop = loop;
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		t->fd = ci ? ci->connect_fd : -1;
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const struct sockaddr *sa = ci ? ci->client_addr : NULL;
		t->keylen = addr_key(sa, t->key);
		uint64_t now = http_now_ms();
		if (is_probe_fd(loop, t->fd)) {
			t->phase = CONN_PROBE;
			t->deadline_ms = 0;
		} else {
			set_deadline(t, CONN_HEAD, now);
		}
		pthread_mutex_lock(&track_mu);
		t->next = tracked_head;
		if (tracked_head)
			tracked_head->prev = t;
		tracked_head = t;
		pthread_mutex_unlock(&track_mu);
		*socket_ctx = t;
		return;
	}
	struct tracked *t = *socket_ctx;
	if (!t)
		return;
	*socket_ctx = NULL;
	pthread_mutex_lock(&track_mu);
	if (t->prev)
		t->prev->next = t->next;
	else
		tracked_head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&track_mu);
	if (t->phase == CONN_PROBE) {
		pthread_mutex_lock(&probe_mu);
		if (t->loop < nloops && probes[t->loop].mhd_fd == t->fd)
			probes[t->loop].mhd_fd = -1;
		pthread_mutex_unlock(&probe_mu);
	} else {
		ip_release(t->key, t->keylen);
		atomic_fetch_sub(&admitted, 1);
		if (t->loop < MAX_LOOPS)
			atomic_fetch_sub(&loop_conns[t->loop], 1);
	}
	free(t);
}

static struct tracked *tracked_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

void conn_set_phase(struct MHD_Connection *c, enum conn_phase ph)
{
	struct tracked *t = tracked_of(c);
	if (!t || t->phase == CONN_PROBE || t->phase == ph)
		return;
	uint64_t now = http_now_ms();
	pthread_mutex_lock(&track_mu);
	set_deadline(t, ph, now);
	pthread_mutex_unlock(&track_mu);
}

bool conn_is_probe(struct MHD_Connection *c)
{
	struct tracked *t = tracked_of(c);
	return t && t->phase == CONN_PROBE;
}

/* ---- refusing: a canned 503, then a short drain before the close ---- */

struct lingering {
	int fd;
	uint64_t until;
};
static struct lingering linger[LINGER_MAX];
static unsigned nlinger;
static atomic_ulong refusal_seq;

static void refuse(int fd, const char *detail)
{
	char id[20], body[512], msg[1024];
	snprintf(id, sizeof id, "r%015lx", (unsigned long)atomic_fetch_add(&refusal_seq, 1));
	const struct err_def *e = err_get(ERR_OVERLOADED);
	int blen = snprintf(body, sizeof body,
			    "{\"type\":\"https://fieldd.dev/problems/%s\",\"title\":\"%s\","
			    "\"status\":%d,\"code\":\"%s\",\"detail\":\"%s\","
			    "\"request_id\":\"%s\"}",
			    e->code, e->title, e->status, e->code, detail, id);
	int n = snprintf(msg, sizeof msg,
			 "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
			 "application/problem+json\r\nContent-Length: %d\r\nRetry-After: "
			 "1\r\nConnection: close\r\nCache-Control: no-store\r\nX-Request-Id: "
			 "%s\r\n\r\n%s",
			 blen, id, body);
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* nothing more to say */
	}
	shutdown(fd, SHUT_WR);
	if (nlinger < LINGER_MAX) {
		linger[nlinger].fd = fd;
		linger[nlinger].until = http_now_ms() + LINGER_MS;
		nlinger++;
	} else {
		close(fd);
	}
}

/* Reads and drops what refused clients still send; closes at EOF or the time limit. */
static void drain_lingering(const struct pollfd *pf, unsigned npf)
{
	uint64_t now = http_now_ms();
	char scratch[4096];
	for (unsigned i = 0; i < nlinger;) {
		bool done = now >= linger[i].until;
		for (unsigned k = 0; k < npf && !done; k++)
			if (pf[k].fd == linger[i].fd && pf[k].revents) {
				ssize_t r;
				while ((r = recv(linger[i].fd, scratch, sizeof scratch,
						 MSG_DONTWAIT)) > 0)
					;
				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
					done = true;
			}
		if (done) {
			close(linger[i].fd);
			linger[i] = linger[--nlinger];
		} else {
			i++;
		}
	}
}

/* ---- accepting ---- */

static int listen_sock = -1;
static int accept_stop[2] = {-1, -1};
static pthread_t acceptor;
static bool acceptor_running;

static unsigned least_loaded(void)
{
	unsigned best = 0;
	int bn = atomic_load(&loop_conns[0]);
	for (unsigned i = 1; i < nloops; i++) {
		int n = atomic_load(&loop_conns[i]);
		if (n < bn) {
			bn = n;
			best = i;
		}
	}
	return best;
}

static void admit(int fd, const struct sockaddr_storage *sa, socklen_t len)
{
	unsigned char key[16];
	unsigned klen = addr_key((const struct sockaddr *)sa, key);
	/* open event streams have a limit of their own (FIELDD_STREAM_LIMIT, stream.c) */
	if (atomic_load(&admitted) - http_streams_open() >= (int)cfg.conn_limit) {
		atomic_fetch_add(&n_refused_limit, 1);
		refuse(fd, "too many connections; try again shortly");
		return;
	}
	if (!ip_acquire(key, klen, cfg.per_ip_limit)) {
		atomic_fetch_add(&n_refused_ip, 1);
		refuse(fd, "too many connections from this address; try again shortly");
		return;
	}
	unsigned loop = least_loaded();
	atomic_fetch_add(&admitted, 1);
	atomic_fetch_add(&loop_conns[loop], 1);
	/* MHD owns fd from here on; it closes it itself when it cannot take it */
	if (MHD_add_connection(loops[loop], fd, (const struct sockaddr *)sa, len) != MHD_YES) {
		atomic_fetch_sub(&admitted, 1);
		atomic_fetch_sub(&loop_conns[loop], 1);
		ip_release(key, klen);
	}
}

static void *acceptor_main(void *arg)
{
	(void)arg;
	struct pollfd pf[2 + LINGER_MAX];
	for (;;) {
		unsigned npf = 0;
		pf[npf++] = (struct pollfd){listen_sock, POLLIN, 0};
		pf[npf++] = (struct pollfd){accept_stop[0], POLLIN, 0};
		for (unsigned i = 0; i < nlinger; i++)
			pf[npf++] = (struct pollfd){linger[i].fd, POLLIN, 0};
		int rc = poll(pf, npf, nlinger ? 100 : -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERROR, "http", "poll on the listening socket failed");
			break;
		}
		if (pf[1].revents)
			break;
		if (nlinger)
			drain_lingering(pf + 2, npf - 2);
		if (!pf[0].revents)
			continue;
		/* take what the backlog holds, a bounded batch at a time */
		for (int batch = 0; batch < 64; batch++) {
			struct sockaddr_storage sa;
			socklen_t len = sizeof sa;
			int fd = accept4(listen_sock, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
				    errno == ENOMEM) {
					struct timespec ts = {0, 50 * 1000 * 1000};
					nanosleep(&ts,
						  NULL); /* out of descriptors: let some close */
				}
				break;
			}
			/* replies leave at once: a reply queued after a resume went out in two
			 * writes and waited for the client's delayed ACK (up to 200 ms) */
			int one = 1;
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			admit(fd, &sa, len);
		}
	}
	for (unsigned i = 0; i < nlinger; i++)
		close(linger[i].fd);
	nlinger = 0;
	return NULL;
}

/* ---- the tick: deadlines and probes ---- */

static pthread_t ticker;
static atomic_bool ticker_stop;
static pthread_mutex_t tick_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tick_cv = PTHREAD_COND_INITIALIZER;

static char timeout_reply[512];
static size_t timeout_reply_len;

static void make_timeout_reply(void)
{
	const struct err_def *e = err_get(ERR_REQUEST_TIMEOUT);
	char body[384];
	int blen = snprintf(body, sizeof body,
			    "{\"type\":\"https://fieldd.dev/problems/%s\",\"title\":\"%s\","
			    "\"status\":%d,\"code\":\"%s\",\"detail\":\"the request head or "
			    "body took too long to arrive\"}",
			    e->code, e->title, e->status, e->code);
	int n = snprintf(timeout_reply, sizeof timeout_reply,
			 "HTTP/1.1 408 Request Timeout\r\nContent-Type: "
			 "application/problem+json\r\nContent-Length: %d\r\nConnection: "
			 "close\r\nCache-Control: no-store\r\n\r\n%s",
			 blen, body);
	timeout_reply_len = n > 0 && (size_t)n < sizeof timeout_reply ? (size_t)n : 0;
}

static void enforce_deadlines(uint64_t now)
{
	pthread_mutex_lock(&track_mu);
	for (struct tracked *t = tracked_head; t; t = t->next) {
		if (t->shut || !t->deadline_ms || now < t->deadline_ms || t->fd < 0)
			continue;
		if (t->phase == CONN_HEAD || t->phase == CONN_BODY)
			(void)!send(t->fd, timeout_reply, timeout_reply_len,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
		shutdown(t->fd, SHUT_RDWR);
		t->shut = true;
		atomic_fetch_add(&n_deadline, 1);
	}
	pthread_mutex_unlock(&track_mu);
}

static bool is_probe_fd(unsigned loop, int fd)
{
	pthread_mutex_lock(&probe_mu);
	bool yes = loop < nloops && fd >= 0 && probes[loop].mhd_fd == fd;
	pthread_mutex_unlock(&probe_mu);
	return yes;
}

/* A connected loopback TCP pair: the event loop gets a socket like any client's. */
static int tcp_pair(int sv[2], struct sockaddr_in *peer)
{
	if (probe_listener < 0) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		probe_listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe_listener < 0)
			return -1;
		if (bind(probe_listener, (struct sockaddr *)&a, sizeof a) < 0 ||
		    listen(probe_listener, 4) < 0) {
			close(probe_listener);
			probe_listener = -1;
			return -1;
		}
	}
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	if (getsockname(probe_listener, (struct sockaddr *)&a, &len) < 0)
		return -1;
	sv[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sv[0] < 0)
		return -1;
	if (connect(sv[0], (struct sockaddr *)&a, sizeof a) < 0) {
		close(sv[0]);
		return -1;
	}
	len = sizeof *peer;
	sv[1] = accept4(probe_listener, (struct sockaddr *)peer, &len, SOCK_CLOEXEC);
	if (sv[1] < 0) {
		close(sv[0]);
		return -1;
	}
	return 0;
}

static void run_probes(uint64_t now)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: fieldd-probe\r\n"
				  "Connection: close\r\n\r\n";
	for (unsigned i = 0; i < nloops; i++) {
		struct probe *p = &probes[i];
		if (p->fd >= 0) {
			char buf[256];
			ssize_t r = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT);
			if (r >= 0 || (errno != EAGAIN && errno != EINTR)) {
				/* any answer, even a close, means the loop ran */
				pthread_mutex_lock(&probe_mu);
				p->last_ok_ms = now;
				pthread_mutex_unlock(&probe_mu);
				close(p->fd);
				p->fd = -1;
			}
			continue;
		}
		if (now - p->sent_ms < PROBE_EVERY_MS)
			continue;
		int sv[2];
		struct sockaddr_in peer;
		if (tcp_pair(sv, &peer) < 0)
			continue;
		if (send(sv[0], req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
			close(sv[0]);
			close(sv[1]);
			continue;
		}
		p->sent_ms = now;
		pthread_mutex_lock(&probe_mu);
		p->mhd_fd = sv[1];
		pthread_mutex_unlock(&probe_mu);
		if (MHD_add_connection(loops[i], sv[1], (const struct sockaddr *)&peer,
				       sizeof peer) != MHD_YES) {
			pthread_mutex_lock(&probe_mu); /* MHD closed its end: forget the number */
			p->mhd_fd = -1;
			pthread_mutex_unlock(&probe_mu);
			close(sv[0]);
			continue;
		}
		p->fd = sv[0];
	}
}

static void *ticker_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&ticker_stop)) {
		uint64_t now = http_now_ms();
		enforce_deadlines(now);
		run_probes(now);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&tick_mu);
		if (!atomic_load(&ticker_stop))
			pthread_cond_timedwait(&tick_cv, &tick_mu, &until);
		pthread_mutex_unlock(&tick_mu);
	}
	return NULL;
}

int conn_start(struct MHD_Daemon **daemons, unsigned n, int listen_fd)
{
	if (n > MAX_LOOPS)
		n = MAX_LOOPS;
	nloops = n;
	make_timeout_reply();
	uint64_t now = http_now_ms();
	for (unsigned i = 0; i < n; i++) {
		loops[i] = daemons[i];
		atomic_store(&loop_conns[i], 0);
		probes[i] = (struct probe){-1, -1, 0, now};
	}
	listen_sock = listen_fd;
	if (pipe2(accept_stop, O_CLOEXEC) < 0)
		return -1;
	if (pthread_create(&acceptor, NULL, acceptor_main, NULL) != 0) {
		close(accept_stop[0]);
		close(accept_stop[1]);
		accept_stop[0] = accept_stop[1] = -1;
		return -1;
	}
	acceptor_running = true;
	atomic_store(&ticker_stop, false);
	if (pthread_create(&ticker, NULL, ticker_main, NULL) != 0)
		abort();
	return 0;
}

void conn_stop_accepting(void)
{
	if (!acceptor_running)
		return;
	if (write(accept_stop[1], "x", 1) != 1)
		log_msg(LOG_WARN, "http", "cannot wake the accepting thread");
	pthread_join(acceptor, NULL);
	acceptor_running = false;
	close(accept_stop[0]);
	close(accept_stop[1]);
	accept_stop[0] = accept_stop[1] = -1;
}

void conn_stop(void)
{
	pthread_mutex_lock(&tick_mu);
	atomic_store(&ticker_stop, true);
	pthread_cond_signal(&tick_cv);
	pthread_mutex_unlock(&tick_mu);
	pthread_join(ticker, NULL);
	pthread_mutex_lock(&probe_mu);
	for (unsigned i = 0; i < nloops; i++)
		if (probes[i].fd >= 0) {
			close(probes[i].fd);
			probes[i].fd = -1;
		}
	nloops = 0;
	pthread_mutex_unlock(&probe_mu);
	if (probe_listener >= 0) {
		close(probe_listener);
		probe_listener = -1;
	}
}

void conn_stats(struct conn_stats *out)
{
	memset(out, 0, sizeof *out);
	out->open = atomic_load(&admitted);
	out->refused_limit = atomic_load(&n_refused_limit);
	out->refused_per_ip = atomic_load(&n_refused_ip);
	out->deadline_closed = atomic_load(&n_deadline);
	uint64_t now = http_now_ms();
	pthread_mutex_lock(&probe_mu);
	out->workers = nloops;
	for (unsigned i = 0; i < nloops; i++) {
		uint64_t age = now - probes[i].last_ok_ms;
		if (age < PROBE_STUCK_MS) {
			out->workers_alive++;
		} else if (out->stuck_seconds == 0) {
			out->stuck_worker = i;
			out->stuck_seconds = (double)age / 1000.0;
		}
	}
	pthread_mutex_unlock(&probe_mu);
}
