#!/usr/bin/env bash
# Prints the Fluent Bit binary to use: $FLUENT_BIT_BIN, then PATH, then the
# official packages' /opt/fluent-bit/bin/fluent-bit. Prints nothing when none.
for c in "${FLUENT_BIT_BIN:-}" "$(command -v fluent-bit 2>/dev/null)" /opt/fluent-bit/bin/fluent-bit; do
  if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; exit 0; fi
done
exit 0
