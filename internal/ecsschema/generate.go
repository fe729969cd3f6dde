package ecsschema

//go:generate go run ./gen -in ../../../shared/ecs/ecs-fields.json -out .
