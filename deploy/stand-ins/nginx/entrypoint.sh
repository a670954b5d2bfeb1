#!/bin/sh
# As the upstream image: every /etc/nginx/templates/X.template becomes /etc/nginx/conf.d/X with
# only the variables that are set replaced (nginx's own $variables stay), then the command.
set -eu
defined=$(printf '${%s} ' $(env | cut -d= -f1))
for template in /etc/nginx/templates/*.template; do
  [ -e "$template" ] || continue
  name=$(basename "$template" .template)
  envsubst "$defined" <"$template" >"/etc/nginx/conf.d/$name"
done
exec "$@"
