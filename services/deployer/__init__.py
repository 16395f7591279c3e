"""The deployer: a subscriber that puts the version in a watched stage or alias into serving."""
