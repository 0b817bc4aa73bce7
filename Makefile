# The front door: each target is a thin call into package.json scripts or scripts/.
.PHONY: setup run test test-unit test-integration lint typecheck bench build clean
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

-include image/image.mk
