# The front door: each target is a thin call into package.json scripts or scripts/.
.PHONY: setup run test test-unit test-integration lint typecheck bench build clean release
setup:
	npm ci
build:
	npm run build
run: build
	npx p2p-portal start
test:
	npm test
test-unit:
	npm run test:unit
test-integration:
	npm run test:integration
lint:
	npm run lint
typecheck:
	npm run typecheck
bench:
	npm run bench
clean:
	rm -rf dist
# A signed update of this build, served by `p2p-portal start --data $(RELEASE_DATA)`; prints the release key.
# make release [RELEASE_KEY_FILE=FILE] [RELEASE_DATA=DIR] [RELEASE_ARGS='--version 0.2.0 --notes "…" --from DIR']
RELEASE_KEY_FILE ?= $(HOME)/p2p-portal-release.key
RELEASE_DATA ?= release-data
release:
	@npm run --silent release -- --key-file "$(RELEASE_KEY_FILE)" --data "$(RELEASE_DATA)" $(RELEASE_ARGS)

-include image/image.mk
