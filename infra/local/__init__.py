"""The local stack: moto as AWS, a gateway that speaks API Gateway's event format, queue pollers and the
emulated schedule, all driven by template.yaml. `make run` starts it; the e2e tests start it too."""
