public enum FeedStorePlaceholder {}
