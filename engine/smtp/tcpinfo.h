/*
 * tcpinfo: a snapshot of a TCP socket at the moment something failed, from
 * getsockopt(TCP_INFO) and ioctl(SIOCOUTQ). It tells "the peer's TCP took
 * our data but its server never answered" (all acknowledged, no reply) from
 * "the path is dead" (unacknowledged data, retransmissions).
 * docs/events.md documents each field as the events' tcp_info object.
 */
#ifndef KBDIAG_SMTP_TCPINFO_H
#define KBDIAG_SMTP_TCPINFO_H

struct tcpinfo_snap {
	int			 valid;		/* 0: the socket gave nothing */
	const char		*state;		/* "ESTABLISHED", "CLOSE_WAIT", ... */
	unsigned		 unacked;	/* tcpi_unacked: segments */
	long long		 outq_bytes;	/* SIOCOUTQ: bytes not yet acknowledged
						   (sent or not), -1 unknown */
	unsigned		 notsent_bytes;	/* tcpi_notsent_bytes */
	unsigned		 retransmits;	/* tcpi_retransmits: of the current segment */
	unsigned		 total_retrans;	/* tcpi_total_retrans */
	unsigned		 snd_wnd;	/* tcpi_snd_wnd: the peer's window, bytes */
	unsigned		 rtt_us;	/* tcpi_rtt */
	unsigned		 last_ack_ms;	/* tcpi_last_ack_recv: ms since the last ACK */
	unsigned		 last_data_sent_ms;	/* tcpi_last_data_sent */
	unsigned long long	 bytes_acked;	/* tcpi_bytes_acked */
	unsigned long long	 bytes_sent;	/* tcpi_bytes_sent */
};

/* Take the snapshot of fd (a TCP socket). Returns 0, or -1 with errno. */
int tcpinfo_take(int fd, struct tcpinfo_snap *out);

/* The name of a TCP state number (tcpi_state). */
const char *tcpinfo_state_to_text(unsigned state);

#endif
