#!/bin/sh
# Starts the compose lab's Asterisk with the chroot lab's configs, re-addressed for the compose
# network (no NAT: every container has a fixed address on one bridge):
#   - PJSIP listens on $ASTERISK_ADDR:15060 (the lab: 127.0.0.1:15060);
#   - the phones' static contacts and the "sipp" endpoint's identify point at $SIPP_ADDR, the
#     sipp container (the lab: 127.0.0.1), ports unchanged (15101.., lab/README.md);
#   - ARI listens on 0.0.0.0:8088 (the lab: 127.0.0.1:18088); only the compose network
#     reaches it unless docker-compose.yml publishes it.
# The spool (/var/spool/asterisk: recordings and voicemail) is a volume shared with ariflow.
set -eu
: "${ASTERISK_ADDR:?ASTERISK_ADDR (this container's address) is required}"
: "${SIPP_ADDR:?SIPP_ADDR (the sipp container's address) is required}"

src=/usr/local/share/ariflow-lab/asterisk
conf=/etc/ariflow-lab
mkdir -p "$conf" /var/lib/asterisk/keys /run/ariflow-lab /var/log/ariflow-lab /var/lib/ariflow-lab \
	/var/spool/asterisk/recording /var/spool/asterisk/voicemail
cp "$src"/*.conf "$conf"/
sed -i \
	-e "s/^bind = 127\.0\.0\.1:15060\$/bind = $ASTERISK_ADDR:15060/" \
	-e "s/^match = 127\.0\.0\.1\$/match = $SIPP_ADDR/" \
	-e "s/^contact = sip:\([0-9]*\)@127\.0\.0\.1:/contact = sip:\1@$SIPP_ADDR:/" \
	"$conf/pjsip.conf"
sed -i -e 's/^bindaddr = 127\.0\.0\.1$/bindaddr = 0.0.0.0/' -e 's/^bindport = 18088$/bindport = 8088/' \
	"$conf/http.conf"
# The log goes to the container's output too (docker-compose logs asterisk).
sed -i 's/^console => .*/console => notice,warning,error,verbose/' "$conf/logger.conf"

# Each rewrite must have happened: a config still naming 127.0.0.1 would fail quietly.
if grep -n '^[^;]*127\.0\.0\.1' "$conf/pjsip.conf" "$conf/http.conf"; then
	echo "entrypoint.sh: lab configs still name 127.0.0.1 (lines above): the rewrite is out of date" >&2
	exit 1
fi
exec /usr/sbin/asterisk -C "$conf/asterisk.conf" -f -n -vvv "$@"
