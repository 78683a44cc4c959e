#!/usr/bin/env bash
# Scales out: starts one more silo. It joins through the membership table; the APIs find its gateway there.
source "$(dirname "$0")/lib.sh"
exec bash "$(dirname "$0")/start-silo.sh"
