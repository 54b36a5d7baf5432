/*
 * tcpinfo: a snapshot of a TCP socket at the moment something failed, from
 * getsockopt(TCP_INFO) and ioctl(SIOCOUTQ). It tells "the peer's TCP took
 * our data but its server never answered" (all acknowledged, no reply) from
 * "the path is dead" (unacknowledged data, retransmissions).
 * docs/events.md documents each field as the events' tcp_info object.
 */
#ifndef KBDIAG_SMTP_TCPINFO_H
#define KBDIAG_SMTP_TCPINFO_H

/*
 * The keys of the tcp_info object, the one list of them: smtpgw writes them
 * (gwlog), kbdiag reads them from events (reader) and saved diagnoses
 * (replay) and writes them in its JSON (render). X(key, type, rank):
 *   key   the JSON key (docs/events.md), and the field of struct
 *         tcpinfo_snap (and of struct reader_tcp, reader.h)
 *   type  that field's type in the snapshot
 *   rank  where kbdiag's JSON puts it (1 first), 0 for a key kbdiag reads
 *         but does not write back
 * In the order of the events, after "state" (a string, apart from these
 * counts: first in an event, last in kbdiag's JSON).
 */
#define TCPINFO_KEYS(X) \
	X(unacked,		unsigned,		1)	/* tcpi_unacked: segments */ \
	X(outq_bytes,		long long,		2)	/* SIOCOUTQ: bytes not yet \
							   acknowledged (sent or not), \
							   -1 unknown */ \
	X(notsent_bytes,	unsigned,		3)	/* tcpi_notsent_bytes */ \
	X(retransmits,		unsigned,		4)	/* tcpi_retransmits: of the \
							   current segment */ \
	X(total_retrans,	unsigned,		5)	/* tcpi_total_retrans */ \
	X(snd_wnd,		unsigned,		9)	/* tcpi_snd_wnd: the peer's \
							   window, bytes */ \
	X(rtt_us,		unsigned,		0)	/* tcpi_rtt */ \
	X(last_ack_ms,		unsigned,		8)	/* tcpi_last_ack_recv: ms \
							   since the last ACK */ \
	X(last_data_sent_ms,	unsigned,		0)	/* tcpi_last_data_sent */ \
	X(bytes_acked,		unsigned long long,	6)	/* tcpi_bytes_acked */ \
	X(bytes_sent,		unsigned long long,	7)	/* tcpi_bytes_sent */

/* How many keys TCPINFO_KEYS has, and the highest rank. */
#define TCPINFO_NKEYS	11

struct tcpinfo_snap {
	int			 valid;		/* 0: the socket gave nothing */
	const char		*state;		/* "ESTABLISHED", "CLOSE_WAIT", ... */
#define TCPINFO_FIELD(key, type, rank) type key;
	TCPINFO_KEYS(TCPINFO_FIELD)
#undef TCPINFO_FIELD
};

/* Take the snapshot of fd (a TCP socket). Returns 0, or -1 with errno. */
int tcpinfo_take(int fd, struct tcpinfo_snap *out);

/* The name of a TCP state number (tcpi_state). */
const char *tcpinfo_state_to_text(unsigned state);

#endif
